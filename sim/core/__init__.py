"""The bottom layer: errors, the escalation ladder, random streams, the package's folders.

Imports nothing else of ``sim``; every other layer may import it.
"""

"""Escalation-risk agent-based simulation."""

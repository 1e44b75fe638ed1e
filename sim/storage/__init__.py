"""Files: atomic writes, Parquet tables, manifests and results folders."""

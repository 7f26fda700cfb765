"""The demo region: its data files (`data/`) and the loader that builds it (`wasl loaddemo`)."""

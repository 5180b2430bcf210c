"""The agent workbench's own data: canned replies (macros) with variables."""

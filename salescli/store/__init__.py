"""The store: YAML files, git, history and the record index."""

"""The project's own spaCy pipeline: blank English plus an entity ruler built from patterns.yml."""

"""The published database: schema, load, Chinese search, Datasette settings."""

"""Tables, engine, migrations, the dataset file and its loader, and the read queries."""

"""One module per GraphQL type; each builds its objects from database rows (`from_row`)."""

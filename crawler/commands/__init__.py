"""One module per govwire verb."""

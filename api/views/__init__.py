"""The JSON API's endpoints, one module per concern."""

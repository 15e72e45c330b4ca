"""WS-Man resources the lab serves, one module per resource family."""

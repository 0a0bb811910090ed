"""Documents and files made from the services' results: pure functions returning bytes."""

"""The web's one way to take input: Django forms, one module per area (`items`, `inspections`), and the few
fields they share (`fields`). Forms parse and check the shape of the input; the rules live in the services."""

"""The web's one way to take input: Django forms, one module per area (`items`, `inspections`, `inbox`,
`dashboard`, `ledger`, `calendar`), and the fields they share (`fields`). Forms parse and check the shape of the
input; the rules live in the services. What a page's address carries (filters, a cursor, a year) is read by forms
whose fields never refuse: a value the page cannot use reads as none, as the pages always did."""

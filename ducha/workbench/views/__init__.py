"""Web pages over the items services and selectors: thin views, one module per area of the workbench."""

"""A throwaway probe for the scale-out cluster (deploy/scaleout), never part of the product: settings that extend
ducha.config.settings so that the ledger and the dashboard read through the replica router even before the product
wraps them, and every response says how many reads the router sent to each database (X-Scaleout-Reads)."""

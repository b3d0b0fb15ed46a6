"""The ledger: an append-only, double-entry record of every money movement, per workspace.

Posting (`ledger.posting`), balances (`ledger.balances`), the chart of accounts
(`ledger.chart`), consistency checks (`ledger.checks`) and the one way to erase a
workspace's ledger (`ledger.purge`). The database enforces the rules (see the migrations)."""

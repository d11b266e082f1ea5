"""Banking: accounts, payees, transfers, holds and limits over a double-entry core."""

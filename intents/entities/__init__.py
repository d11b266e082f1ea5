"""Rule-based entity extractors: amounts, dates, symbols, payees, lookups."""

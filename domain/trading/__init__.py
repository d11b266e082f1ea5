"""Trading domain: instruments, orders and positions (standard library only)."""

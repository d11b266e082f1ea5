"""Webhooks: signed deliveries out (Standard Webhooks) and verified messages in."""

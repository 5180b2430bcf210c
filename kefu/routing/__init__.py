"""Routing: who answers which conversation — presence, caps, skills, tiers, queues, overflow."""

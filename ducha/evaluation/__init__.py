"""Evaluation (考核) and the year's ledger (专项台账): 年初建账 / 年中查账 / 年终结账, unit scores per quarter and year
explained down to the facts, rankings among comparable units, and the reports to the level above (seed 004 §3,
002 art. 12 and 16, 001 §3). It reads the domains' records; it writes only its own tables."""

"""Split and merge: a least-privilege workbook per salesperson, and the safe merge back."""

"""Renting instead of buying: cloud instances as node configurations (`objective: rent`), an owned
base load with a rented remainder (`objective: hybrid`), and what renting a bought plan's
capacity would cost (the buy-versus-rent comparison and its break-even month)."""

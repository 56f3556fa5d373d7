"""One module per constraint family; each adds its constraints to the model, guarded by named
literals where relaxing the family is a meaningful 'what would it take' question."""

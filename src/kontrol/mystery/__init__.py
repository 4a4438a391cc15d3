"""Mystery shopping: programmes, shoppers' assignments, submissions and results."""

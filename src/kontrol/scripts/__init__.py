"""Scripts: guides agents follow while they talk, and how closely conversations follow them."""

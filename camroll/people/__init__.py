"""People: faces grouped into the persons they belong to, and what a person does about them."""

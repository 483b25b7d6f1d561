"""Alliance: design how a relationship will work, agree to it, keep it alive."""

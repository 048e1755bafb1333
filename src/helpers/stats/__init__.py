"""Statistical machinery shared by the studies: design-based survey estimates."""

"""Rules shared by several outlets on one CMS (not outlets themselves: never registered)."""

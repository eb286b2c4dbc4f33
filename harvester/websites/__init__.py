"""The government-website registry: the official 全国政府网站基本信息数据库 imported into the
archive's registry.db (official, store), its checks, and discovery of the portals' report columns."""

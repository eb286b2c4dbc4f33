"""Crawling: Scrapy settings, link recognition, CMS families, the runner (and the archive middleware)."""

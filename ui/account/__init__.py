"""The 个人设置 screen (app_pages/account.py)."""

"""What ``inventory serve`` puts around the app in its uvicorn processes, and nothing else does:
deadlines for slow clients (``deadlines``), and in each worker the process tuning and the watch
on the supervisor (``worker``). Tests that build the app in their own process get none of it.
"""

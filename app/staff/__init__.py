"""The back office: staff accounts and roles, drives, data, progress and exports.

The blueprint lives in `routes` (imported when the app registers it).
"""

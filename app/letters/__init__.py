"""Letters to legislators: who they are, the letters visitors write, and when each may leave.

The blueprint lives in `routes` (imported when the app registers it), so that the drive file
checker can use the letter templates without importing the pages.
"""

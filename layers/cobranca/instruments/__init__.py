"""Payment instruments' formats, pure code: boleto (and arrecadação) and Pix BR Codes.

Nothing here reads the clock, the network or AWS; callers pass the reference date a due date is
resolved against, and get back values or an error whose message names the failing part.
"""

"""Lab emulator of the Windows WinRM service (WS-Management over HTTP/HTTPS).

One process serves many emulated Windows hosts, each on its own loopback
address. Test and demo infrastructure only: nothing here ships in the
collection.
"""

"""Realtime: the WebSocket endpoints of docs/realtime.md and the hub that fans committed events out.

`capture` notes what a transaction wrote (messages, attachment links, conversation changes) so
the event subscriber can hand sockets the full message without reading it back; `hub` routes
those notices to the sockets of this process, or through Redis pub/sub to every process.
"""

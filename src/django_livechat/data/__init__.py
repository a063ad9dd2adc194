"""The chat's data as a whole: transcripts, exports, retention and erasure.

Services for the management commands, the admin and the agent API; they read and delete
through the ORM (call them from sync code, or through
:func:`~django_livechat.dbthreads.run_in_db_thread`) and never import a transport.
"""

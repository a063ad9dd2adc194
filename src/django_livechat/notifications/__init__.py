"""Email follow-up: what the chat emails, to whom, and how it is sent exactly once.

* :mod:`.triggers`: what enqueues an email (an agent reply a visitor may not see, a new
  conversation nobody is present for); called by the pipeline, never blocking it;
* :mod:`.outbox`: the :class:`~django_livechat.models.EmailOutbox` rows: enqueue once per
  ``dedupe_key``, claim with a lease, mark sent or failed (with backoff);
* :mod:`.compose`: subjects and bodies from templates, links and unsubscribe headers;
* :mod:`.digest`: the agents' daily digests;
* :mod:`.sender`: one pass over what is due (the management command
  ``livechat_send_emails``) and the background loop of each server process;
* :mod:`.unsubscribe`: signed unsubscribe tokens and the opt-out list;
* :mod:`.preferences`: each agent's choice (off, immediate, daily).
"""

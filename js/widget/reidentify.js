/**
 * Naming the visitor late: ``setUser`` with an identifier while the conversation is
 * anonymous. Rare (most pages name the visitor before the first message), so it lives in
 * the extras.
 */

/**
 * The same conversation gets the identity, over the socket (an ``identify`` with the
 * token) or HTTP (``POST api/conversations/``); a new token comes back.
 */
export function reidentify(transport) {
  if (!transport.session) return;
  // The socket stays usable meanwhile: the server answers frames in order.
  if (transport.socketOpen()) return transport.identify();
  transport.http.open(transport.rejoin()).then((frame) => {
    transport.setReachable(true);
    transport.presence(frame);
    if (transport.session) transport.setSession(frame, frame.conversation_id !== transport.session.conversationId);
  }, () => {}); // offline: the next rejoin names the visitor
}

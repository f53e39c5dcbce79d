"""The conversation: messages, who is in a chat, what the visitor sees of it, transcripts,
attachments, tags, past chats, what a chat teaches (feedback) and forgetting it (retention)."""

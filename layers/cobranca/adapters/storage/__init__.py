"""DynamoDB single-table storage. Key layout and access patterns: :mod:`.keys`."""

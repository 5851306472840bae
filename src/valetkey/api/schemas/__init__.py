"""The response models each feature's routes declare (the API description)."""

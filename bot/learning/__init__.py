"""The learning loop: questions Tekkie could not answer, feedback, staff content, publishing."""

"""What Tekkie tells prospects: content, answers, the fit assessment and questionnaires."""

"""netpipeline: daily ClinicalTrials.gov tracking of neuroendocrine tumour trials."""

__version__ = "0.1.0"

"""Employer services: the employer register (CRM), vacancies, job seekers' competence profiles, explainable matching
both ways, and job offers with their follow-up.

- ``esco``: the offline ESCO subset (occupations, skills, languages) and licences, read from ``data/``.
- ``extraction``: free text (fi/sv/en) to ESCO skills, occupations and licences with the evidence and negations.
- ``matching``: the pure scoring engine, weights from ``data/matching_weights.json``.
- ``services`` write (one transaction each, errors naming the field), ``selectors`` read.
"""

"""Attrition risk: an employee record -> probability that the employee leaves (IBM HR analytics)."""

from __future__ import annotations

from hrm_ray.kinds.records import NON_NEGATIVE, WORKING_AGE
from hrm_ray.kinds.tabular import TabularTask
from hrm_ray.tasks import register

_NUMERIC = (
    "Age", "DailyRate", "DistanceFromHome", "Education", "EnvironmentSatisfaction", "HourlyRate", "JobInvolvement",
    "JobLevel", "JobSatisfaction", "MonthlyIncome", "MonthlyRate", "NumCompaniesWorked", "PercentSalaryHike",
    "PerformanceRating", "RelationshipSatisfaction", "StockOptionLevel", "TotalWorkingYears",
    "TrainingTimesLastYear", "WorkLifeBalance", "YearsAtCompany", "YearsInCurrentRole", "YearsSinceLastPromotion",
    "YearsWithCurrManager",
)
_CATEGORICAL = ("BusinessTravel", "Department", "EducationField", "Gender", "JobRole", "MaritalStatus", "OverTime")


@register
class Attrition(TabularTask):
    name = "attrition"
    role = "attrition_risk"
    list_order = 2
    labels = ("stays", "leaves")
    primary_metric = "roc_auc"
    data_files = ("ibm_hr_attrition/WA_Fn-UseC_-HR-Employee-Attrition.csv",)
    target_column = "Attrition"
    label_map = {"No": "stays", "Yes": "leaves"}
    ignored_columns = ("EmployeeNumber", "EmployeeCount", "Over18", "StandardHours")
    feature_columns = _CATEGORICAL + _NUMERIC
    numeric_columns = _NUMERIC
    # Every IBM column describes the employee while still employed (pay, ratings, tenure): none follows from
    # leaving, so none is left out.
    after_decision_columns = ()
    # The IBM data dictionary's scales: Education 1-5 (below college .. doctor), the satisfaction, involvement,
    # work-life and performance ratings 1-4, job level 1-5, stock option level 0-3.
    valid_ranges = {
        "Age": WORKING_AGE,
        **dict.fromkeys(("DailyRate", "DistanceFromHome", "HourlyRate", "MonthlyIncome", "MonthlyRate",
                         "NumCompaniesWorked", "PercentSalaryHike", "TotalWorkingYears", "TrainingTimesLastYear",
                         "YearsAtCompany", "YearsInCurrentRole", "YearsSinceLastPromotion", "YearsWithCurrManager"),
                        NON_NEGATIVE),
        **dict.fromkeys(("EnvironmentSatisfaction", "JobInvolvement", "JobSatisfaction", "PerformanceRating",
                         "RelationshipSatisfaction", "WorkLifeBalance"), (1, 4)),
        "Education": (1, 5), "JobLevel": (1, 5), "StockOptionLevel": (0, 3),
    }
    # Trees on the columns: test ROC-AUC 0.877 in ~30 s, against 0.798 for MiniLM on serialised rows in
    # 12 minutes (benchmarks/quality.py); --learner transformer keeps the latter available.
    # Stumps (depth-1 trees, an additive model): in 5-fold cross-validation on train + validation (twice, never
    # the test split) depth 1 at eta 0.1 scored ROC-AUC 0.849, depth 2 0.842, depth 4 at eta 0.05 (the earlier
    # default) 0.823; deeper trees overfit ~900 training employees (docs/results.md, "Choosing the trees' settings").
    default_xgboost = {"num_boost_round": 1000, "max_depth": 1, "eta": 0.1}
    default_max_length = 160  # a serialised row is ~145-158 tokens
    default_epochs = 8.0  # ~1,000 rows: many epochs are cheap, and early stopping keeps the best
    default_lr = 1e-4
    profiles = {
        "fast": dict(learner="xgboost"),
        "small": dict(max_train_samples=120, max_length=128, epochs=3, lr=1e-4),
    }
    quality_bar = 0.80
    synthetic_categories = {
        "BusinessTravel": ("Travel_Rarely", "Travel_Frequently", "Non-Travel"),
        "Department": ("Sales", "Research & Development", "Human Resources"),
        "EducationField": ("Life Sciences", "Medical", "Marketing", "Technical Degree"), "Gender": ("Female", "Male"),
        "JobRole": ("Sales Executive", "Research Scientist", "Laboratory Technician", "Manager"),
        "MaritalStatus": ("Single", "Married", "Divorced"), "OverTime": ("Yes", "No"),
    }
    data_description = "IBM HR Analytics attrition data (fictional employees, about 16% left)"
    intended_use = "Flag teams with elevated attrition risk for retention conversations and workforce planning."
    limits = (
        "Fictional data with one company's structure; calibrate on your own history before use. Inputs include "
        "protected attributes (age, gender, marital status): audit outcomes by group, never act on one score alone."
    )

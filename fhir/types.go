package fhir

// resourceTypeNames lists every FHIR R4 (4.0.1) resource type.
var resourceTypeNames = [...]string{
	"Account", "ActivityDefinition", "AdverseEvent", "AllergyIntolerance", "Appointment",
	"AppointmentResponse", "AuditEvent", "Basic", "Binary", "BiologicallyDerivedProduct",
	"BodyStructure", "Bundle", "CapabilityStatement", "CarePlan", "CareTeam", "CatalogEntry",
	"ChargeItem", "ChargeItemDefinition", "Claim", "ClaimResponse", "ClinicalImpression",
	"CodeSystem", "Communication", "CommunicationRequest", "CompartmentDefinition", "Composition",
	"ConceptMap", "Condition", "Consent", "Contract", "Coverage", "CoverageEligibilityRequest",
	"CoverageEligibilityResponse", "DetectedIssue", "Device", "DeviceDefinition", "DeviceMetric",
	"DeviceRequest", "DeviceUseStatement", "DiagnosticReport", "DocumentManifest",
	"DocumentReference", "EffectEvidenceSynthesis", "Encounter", "Endpoint", "EnrollmentRequest",
	"EnrollmentResponse", "EpisodeOfCare", "EventDefinition", "Evidence", "EvidenceVariable",
	"ExampleScenario", "ExplanationOfBenefit", "FamilyMemberHistory", "Flag", "Goal",
	"GraphDefinition", "Group", "GuidanceResponse", "HealthcareService", "ImagingStudy",
	"Immunization", "ImmunizationEvaluation", "ImmunizationRecommendation", "ImplementationGuide",
	"InsurancePlan", "Invoice", "Library", "Linkage", "List", "Location", "Measure",
	"MeasureReport", "Media", "Medication", "MedicationAdministration", "MedicationDispense",
	"MedicationKnowledge", "MedicationRequest", "MedicationStatement", "MedicinalProduct",
	"MedicinalProductAuthorization", "MedicinalProductContraindication",
	"MedicinalProductIndication", "MedicinalProductIngredient", "MedicinalProductInteraction",
	"MedicinalProductManufactured", "MedicinalProductPackaged", "MedicinalProductPharmaceutical",
	"MedicinalProductUndesirableEffect", "MessageDefinition", "MessageHeader", "MolecularSequence",
	"NamingSystem", "NutritionOrder", "Observation", "ObservationDefinition", "OperationDefinition",
	"OperationOutcome", "Organization", "OrganizationAffiliation", "Parameters", "Patient",
	"PaymentNotice", "PaymentReconciliation", "Person", "PlanDefinition", "Practitioner",
	"PractitionerRole", "Procedure", "Provenance", "Questionnaire", "QuestionnaireResponse",
	"RelatedPerson", "RequestGroup", "ResearchDefinition", "ResearchElementDefinition",
	"ResearchStudy", "ResearchSubject", "RiskAssessment", "RiskEvidenceSynthesis", "Schedule",
	"SearchParameter", "ServiceRequest", "Slot", "Specimen", "SpecimenDefinition",
	"StructureDefinition", "StructureMap", "Subscription", "Substance", "SubstanceNucleicAcid",
	"SubstancePolymer", "SubstanceProtein", "SubstanceReferenceInformation",
	"SubstanceSourceMaterial", "SubstanceSpecification", "SupplyDelivery", "SupplyRequest", "Task",
	"TerminologyCapabilities", "TestReport", "TestScript", "ValueSet", "VerificationResult",
	"VisionPrescription",
}

// resourceTypes maps each R4 resource type name to itself, so that a type
// read from input can be replaced by the interned constant.
var resourceTypes = func() map[string]string {
	m := make(map[string]string, len(resourceTypeNames))
	for _, t := range resourceTypeNames {
		m[t] = t
	}
	return m
}()

// IsResourceType reports whether name is a FHIR R4 resource type.
func IsResourceType(name string) bool {
	_, ok := resourceTypes[name]
	return ok
}

// ResourceTypes returns the FHIR R4 resource type names in alphabetical order.
func ResourceTypes() []string {
	return append([]string(nil), resourceTypeNames[:]...)
}

// internType returns the interned type name for b, or "" if b is not an R4
// resource type. The lookup does not allocate.
func internType(b []byte) string {
	return resourceTypes[string(b)]
}

"""The Linear GraphQL schema the emulator serves: a hand-written subset of Linear's public schema.

Linear publishes its schema only through introspection of https://api.linear.app/graphql
(and the `@linear/sdk` package's generated `schema.graphql`), not as a description in
``shared/specs``. This SDL keeps the names, types, nullability and arguments of the
types, queries and mutations the `linear` toolkit uses, as Linear defines them, so a
tool's query document that validates here is shaped like one Linear accepts. It is
*not* a published description: fields and inputs the toolkit does not touch are left out.
"""

SDL = """
"Represents a date and time in ISO 8601 format."
scalar DateTime
"Represents a date in ISO 8601 format (yyyy-mm-dd)."
scalar TimelessDate

enum PaginationOrderBy { createdAt updatedAt }

type PageInfo {
  hasPreviousPage: Boolean!
  hasNextPage: Boolean!
  startCursor: String
  endCursor: String
}

type Organization {
  id: ID!
  name: String!
  urlKey: String!
  createdAt: DateTime!
}

type User {
  id: ID!
  name: String!
  displayName: String!
  email: String!
  active: Boolean!
  admin: Boolean!
  guest: Boolean!
  isMe: Boolean!
  avatarUrl: String
  url: String!
  createdAt: DateTime!
  updatedAt: DateTime!
  organization: Organization!
  assignedIssues(first: Int, after: String, last: Int, before: String, filter: IssueFilter,
                 includeArchived: Boolean, orderBy: PaginationOrderBy): IssueConnection!
}

type UserConnection { nodes: [User!]! pageInfo: PageInfo! }

type Team {
  id: ID!
  name: String!
  key: String!
  description: String
  private: Boolean!
  createdAt: DateTime!
  updatedAt: DateTime!
  organization: Organization!
  states(first: Int, after: String, last: Int, before: String, filter: WorkflowStateFilter,
         includeArchived: Boolean, orderBy: PaginationOrderBy): WorkflowStateConnection!
  members(first: Int, after: String, last: Int, before: String, filter: UserFilter,
          includeArchived: Boolean, orderBy: PaginationOrderBy): UserConnection!
  issues(first: Int, after: String, last: Int, before: String, filter: IssueFilter,
         includeArchived: Boolean, orderBy: PaginationOrderBy): IssueConnection!
}

type TeamConnection { nodes: [Team!]! pageInfo: PageInfo! }

type WorkflowState {
  id: ID!
  name: String!
  "backlog, unstarted, started, completed, canceled or triage."
  type: String!
  color: String!
  description: String
  position: Float!
  createdAt: DateTime!
  updatedAt: DateTime!
  team: Team!
}

type WorkflowStateConnection { nodes: [WorkflowState!]! pageInfo: PageInfo! }

type Project {
  id: ID!
  name: String!
  description: String!
  slugId: String!
  url: String!
  "backlog, planned, started, paused, completed or canceled (deprecated upstream in favour of status)."
  state: String!
  progress: Float!
  startDate: TimelessDate
  targetDate: TimelessDate
  createdAt: DateTime!
  updatedAt: DateTime!
  archivedAt: DateTime
  lead: User
  creator: User
  teams(first: Int, after: String, last: Int, before: String, filter: TeamFilter,
        includeArchived: Boolean, orderBy: PaginationOrderBy): TeamConnection!
  issues(first: Int, after: String, last: Int, before: String, filter: IssueFilter,
         includeArchived: Boolean, orderBy: PaginationOrderBy): IssueConnection!
}

type ProjectConnection { nodes: [Project!]! pageInfo: PageInfo! }

type IssueLabel { id: ID! name: String! color: String! }
type IssueLabelConnection { nodes: [IssueLabel!]! pageInfo: PageInfo! }

type Issue {
  id: ID!
  identifier: String!
  number: Float!
  title: String!
  description: String
  "0 = No priority, 1 = Urgent, 2 = High, 3 = Normal, 4 = Low."
  priority: Float!
  priorityLabel: String!
  estimate: Float
  dueDate: TimelessDate
  url: String!
  branchName: String!
  createdAt: DateTime!
  updatedAt: DateTime!
  archivedAt: DateTime
  trashed: Boolean
  completedAt: DateTime
  canceledAt: DateTime
  team: Team!
  state: WorkflowState!
  assignee: User
  creator: User
  project: Project
  parent: Issue
  labels(first: Int, after: String, last: Int, before: String, filter: IssueLabelFilter,
         includeArchived: Boolean, orderBy: PaginationOrderBy): IssueLabelConnection!
  comments(first: Int, after: String, last: Int, before: String, filter: CommentFilter,
           includeArchived: Boolean, orderBy: PaginationOrderBy): CommentConnection!
}

type IssueConnection { nodes: [Issue!]! pageInfo: PageInfo! }

type Comment {
  id: ID!
  body: String!
  url: String!
  createdAt: DateTime!
  updatedAt: DateTime!
  editedAt: DateTime
  user: User
  issue: Issue
  parent: Comment
}

type CommentConnection { nodes: [Comment!]! pageInfo: PageInfo! }

type IssuePayload { lastSyncId: Float! issue: Issue success: Boolean! }

type Webhook {
  id: ID!
  label: String
  url: String
  enabled: Boolean!
  "The secret the payloads are signed with (Linear-Signature)."
  secret: String
  resourceTypes: [String!]!
  allPublicTeams: Boolean!
  team: Team
  creator: User
  createdAt: DateTime!
  updatedAt: DateTime!
  archivedAt: DateTime
}
type WebhookConnection { nodes: [Webhook!]! pageInfo: PageInfo! }
type WebhookPayload { lastSyncId: Float! webhook: Webhook! success: Boolean! }
type DeletePayload { lastSyncId: Float! success: Boolean! entityId: String! }
input WebhookCreateInput {
  label: String
  id: String
  enabled: Boolean
  secret: String
  url: String!
  resourceTypes: [String!]!
  teamId: String
  allPublicTeams: Boolean
}
input WebhookUpdateInput {
  label: String
  secret: String
  enabled: Boolean
  url: String
  resourceTypes: [String!]
}
type IssueArchivePayload { lastSyncId: Float! success: Boolean! entity: Issue }
type ProjectPayload { lastSyncId: Float! project: Project success: Boolean! }
type CommentPayload { lastSyncId: Float! comment: Comment! success: Boolean! }

input IDComparator { eq: ID neq: ID in: [ID!] nin: [ID!] }
input StringComparator {
  eq: String neq: String in: [String!] nin: [String!]
  eqIgnoreCase: String neqIgnoreCase: String
  startsWith: String endsWith: String contains: String containsIgnoreCase: String notContains: String
}
input NullableStringComparator {
  eq: String neq: String in: [String!] nin: [String!] null: Boolean
  eqIgnoreCase: String neqIgnoreCase: String
  startsWith: String endsWith: String contains: String containsIgnoreCase: String notContains: String
}
input NumberComparator { eq: Float neq: Float in: [Float!] nin: [Float!] lt: Float lte: Float gt: Float gte: Float }
input NullableNumberComparator {
  eq: Float neq: Float in: [Float!] nin: [Float!] null: Boolean lt: Float lte: Float gt: Float gte: Float
}
input BooleanComparator { eq: Boolean neq: Boolean }
input DateComparator { eq: DateTime neq: DateTime lt: DateTime lte: DateTime gt: DateTime gte: DateTime }
input NullableDateComparator { eq: DateTime neq: DateTime lt: DateTime lte: DateTime gt: DateTime gte: DateTime null: Boolean }

input TeamFilter {
  id: IDComparator name: StringComparator key: StringComparator description: NullableStringComparator
  and: [TeamFilter!] or: [TeamFilter!]
}
input UserFilter {
  id: IDComparator name: StringComparator displayName: StringComparator email: StringComparator
  active: BooleanComparator admin: BooleanComparator isMe: BooleanComparator
  and: [UserFilter!] or: [UserFilter!]
}
input NullableUserFilter {
  id: IDComparator name: StringComparator displayName: StringComparator email: StringComparator
  active: BooleanComparator admin: BooleanComparator isMe: BooleanComparator null: Boolean
  and: [NullableUserFilter!] or: [NullableUserFilter!]
}
input WorkflowStateFilter {
  id: IDComparator name: StringComparator type: StringComparator position: NumberComparator team: TeamFilter
  and: [WorkflowStateFilter!] or: [WorkflowStateFilter!]
}
input ProjectFilter {
  id: IDComparator name: StringComparator state: StringComparator
  and: [ProjectFilter!] or: [ProjectFilter!]
}
input NullableProjectFilter {
  id: IDComparator name: StringComparator state: StringComparator null: Boolean
  and: [NullableProjectFilter!] or: [NullableProjectFilter!]
}
input IssueLabelFilter { id: IDComparator name: StringComparator }
input CommentFilter {
  id: IDComparator body: StringComparator createdAt: DateComparator
  and: [CommentFilter!] or: [CommentFilter!]
}
input IssueFilter {
  id: IDComparator
  title: StringComparator
  description: NullableStringComparator
  number: NumberComparator
  priority: NullableNumberComparator
  createdAt: DateComparator
  updatedAt: DateComparator
  dueDate: NullableDateComparator
  team: TeamFilter
  state: WorkflowStateFilter
  assignee: NullableUserFilter
  creator: NullableUserFilter
  project: NullableProjectFilter
  and: [IssueFilter!]
  or: [IssueFilter!]
}

input IssueCreateInput {
  id: String
  title: String
  description: String
  teamId: String!
  priority: Int
  estimate: Int
  assigneeId: String
  stateId: String
  projectId: String
  parentId: String
  labelIds: [String!]
  dueDate: TimelessDate
}

input IssueUpdateInput {
  title: String
  description: String
  teamId: String
  priority: Int
  estimate: Int
  assigneeId: String
  stateId: String
  projectId: String
  parentId: String
  labelIds: [String!]
  dueDate: TimelessDate
}

input ProjectCreateInput {
  id: String
  name: String!
  description: String
  teamIds: [String!]!
  leadId: String
  state: String
  startDate: TimelessDate
  targetDate: TimelessDate
}

input CommentCreateInput {
  id: String
  body: String
  issueId: String
  parentId: String
}

type Query {
  "The currently authenticated user."
  viewer: User!
  organization: Organization!
  user(id: String!): User!
  users(first: Int, after: String, last: Int, before: String, filter: UserFilter,
        includeArchived: Boolean, includeDisabled: Boolean, orderBy: PaginationOrderBy): UserConnection!
  team(id: String!): Team!
  teams(first: Int, after: String, last: Int, before: String, filter: TeamFilter,
        includeArchived: Boolean, orderBy: PaginationOrderBy): TeamConnection!
  "One issue by its UUID or its identifier (ENG-123)."
  issue(id: String!): Issue!
  issues(first: Int, after: String, last: Int, before: String, filter: IssueFilter,
         includeArchived: Boolean, orderBy: PaginationOrderBy): IssueConnection!
  project(id: String!): Project!
  projects(first: Int, after: String, last: Int, before: String, filter: ProjectFilter,
           includeArchived: Boolean, orderBy: PaginationOrderBy): ProjectConnection!
  comment(id: String!): Comment!
  comments(first: Int, after: String, last: Int, before: String, filter: CommentFilter,
           includeArchived: Boolean, orderBy: PaginationOrderBy): CommentConnection!
  workflowState(id: String!): WorkflowState!
  workflowStates(first: Int, after: String, last: Int, before: String, filter: WorkflowStateFilter,
                 includeArchived: Boolean, orderBy: PaginationOrderBy): WorkflowStateConnection!
  webhook(id: String!): Webhook!
  webhooks(first: Int, after: String, last: Int, before: String,
           includeArchived: Boolean, orderBy: PaginationOrderBy): WebhookConnection!
}

type Mutation {
  issueCreate(input: IssueCreateInput!): IssuePayload!
  issueUpdate(id: String!, input: IssueUpdateInput!): IssuePayload!
  "Archives an issue; trash: true moves it to the trash instead."
  issueArchive(id: String!, trash: Boolean): IssueArchivePayload!
  "Moves an issue to the trash (permanentlyDelete is for admins)."
  issueDelete(id: String!, permanentlyDelete: Boolean): IssueArchivePayload!
  projectCreate(input: ProjectCreateInput!, connectSlackChannel: Boolean): ProjectPayload!
  commentCreate(input: CommentCreateInput!): CommentPayload!
  "Creates a webhook (admins only)."
  webhookCreate(input: WebhookCreateInput!): WebhookPayload!
  webhookUpdate(id: String!, input: WebhookUpdateInput!): WebhookPayload!
  webhookDelete(id: String!): DeletePayload!
}
"""
